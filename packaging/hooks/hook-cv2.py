"""cv2 without its Qt: replaces pyinstaller-hooks-contrib's hook-cv2 (hookspath hooks win).

The contrib hook also collects cv2/qt/plugins, which drags opencv-python's private Qt 5 into the
bundle next to PySide6's Qt 6. Reverie uses cv2 only through RapidOCR (array maths, no windows),
and build_bundle.sh bundles opencv-python-headless, which has no Qt at all. The rest matches the
contrib hook for a PyPI wheel (extension module at cv2/cv2.abi3.so, config files run at import).
"""

import sys

from PyInstaller.utils.hooks import collect_data_files, collect_submodules

hiddenimports = ["numpy", "cv2.cv2", *collect_submodules("cv2", filter=lambda name: name != "cv2.load_config_py2")]
excludedimports = ["cv2.load_config_py2"]
datas = collect_data_files(
    "cv2",
    include_py_files=True,
    includes=["config.py", f"config-{sys.version_info[0]}.{sys.version_info[1]}.py", "config-3.py",
              "load_config_py3.py"],
)
module_collection_mode = "py"

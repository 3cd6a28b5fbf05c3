using OpenCvSharp;
using OpenCvSharp.Internal;

namespace EdgeCnn.Vision;

/// <summary>
/// The OpenCV calls of the per-frame path, made straight through OpenCvSharp's native entry points with
/// long-lived argument handles (<see cref="ReusableCvArguments"/>): Cv2's wrappers allocate managed objects on
/// every call. Every use of <c>OpenCvSharp.Internal</c> is here, so an OpenCvSharp upgrade that changes those entry
/// points touches one file.
/// </summary>
internal static class AllocationFreeCv
{
    /// <summary>cv::cvtColor.</summary>
    public static void CvtColor(ReusableCvArguments source, ReusableCvArguments destination, ColorConversionCodes code) =>
        NativeMethods.HandleException(NativeMethods.imgproc_cvtColor(source.Input, destination.Output, (int)code, 0));

    /// <summary>cv::resize to <paramref name="size"/>.</summary>
    public static void Resize(ReusableCvArguments source, ReusableCvArguments destination, Size size, InterpolationFlags interpolation) =>
        NativeMethods.HandleException(NativeMethods.imgproc_resize(source.Input, destination.Output, size, 0, 0, (int)interpolation));

    /// <summary>cv::LUT: each 8-bit value of <paramref name="source"/> replaced by its entry in <paramref name="table"/>.</summary>
    public static void Lut(ReusableCvArguments source, ReusableCvArguments table, ReusableCvArguments destination) =>
        NativeMethods.HandleException(NativeMethods.core_LUT(source.Input, table.Input, destination.Output));

    /// <summary>cv::VideoCapture::read into <paramref name="frame"/>; whether a frame came.</summary>
    public static bool Read(VideoCapture capture, Mat frame)
    {
        NativeMethods.HandleException(NativeMethods.videoio_VideoCapture_read_Mat(capture.CvPtr, frame.CvPtr, out int ok));
        GC.KeepAlive(capture);
        GC.KeepAlive(frame);
        return ok != 0;
    }

    /// <summary>New cv::_InputArray and cv::_OutputArray handles for <paramref name="mat"/>; release them with <see cref="DeleteArguments"/>.</summary>
    public static (IntPtr Input, IntPtr Output) NewArguments(Mat mat)
    {
        NativeMethods.HandleException(NativeMethods.core_InputArray_new_byMat(mat.CvPtr, out IntPtr input));
        NativeMethods.HandleException(NativeMethods.core_OutputArray_new_byMat(mat.CvPtr, out IntPtr output));
        return (input, output);
    }

    /// <summary>Releases handles made by <see cref="NewArguments"/>.</summary>
    public static void DeleteArguments(IntPtr input, IntPtr output)
    {
        if (input != IntPtr.Zero) NativeMethods.HandleException(NativeMethods.core_InputArray_delete(input));
        if (output != IntPtr.Zero) NativeMethods.HandleException(NativeMethods.core_OutputArray_delete(output));
    }
}
